CHECK = "sockutil.checks.client_server:check_serve_n"
FUNCTIONS = ("serve_n",)
