"""`advisor user …`: console accounts from the terminal (the first admin has to come from here)."""
from __future__ import annotations

import click

from knowledge.accounts import ROLES, AccountError, Accounts
from knowledge.audit import AuditLog
from knowledge.cli import open_store


@click.group("user")
def user_group():
    """Console accounts: add, list, reset a password, unlock."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="advisor", show_default=True)
@click.option("--password", help="Initial password (prompted, hidden, when not given).")
def add_command(name, role, password):
    """Create a console account."""
    password = password or click.prompt("密码", hide_input=True, confirmation_prompt=True)
    with open_store() as store:
        try:
            account = Accounts(store).add(name, role, password)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        AuditLog(store).record("cli", "user_add", account.name, role=role)
    click.echo(f"已添加用户 {account.name}（{role}）。")


@user_group.command("list")
def list_command():
    """Accounts with their role and state."""
    with open_store() as store:
        accounts = Accounts(store).list()
    for account in accounts:
        state = "停用" if not account.active else ("锁定" if account.locked_until else "正常")
        click.echo(f"{account.name}\t{account.role}\t{state}\t{account.last_login or '-'}")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password", help="New password (prompted, hidden, when not given).")
def passwd_command(name, password):
    """Reset a password (also unlocks the account)."""
    password = password or click.prompt("新密码", hide_input=True, confirmation_prompt=True)
    with open_store() as store:
        try:
            Accounts(store).set_password(name, password)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        AuditLog(store).record("cli", "user_password", name)
    click.echo(f"{name} 的密码已重置。")
