"""Chat channel building blocks below Flask: WeChat/WeCom crypto, messages and APIs."""
