CHECK = "sockutil.checks.socket_api:check_serve_once"
FUNCTIONS = ("serve_once",)
