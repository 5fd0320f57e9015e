CHECK = "sockutil.checks.addresses:check_bind_preferred"
FUNCTIONS = ("bind_preferred",)
