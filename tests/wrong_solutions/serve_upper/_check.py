CHECK = "sockutil.checks.many_clients:check_serve_upper"
FUNCTIONS = ("serve_upper",)
