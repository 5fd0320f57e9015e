CHECK = "sockutil.checks.lab:check_kv_server"
FUNCTIONS = ("serve_kv",)
