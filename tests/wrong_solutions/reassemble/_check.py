CHECK = "sockutil.checks.segments:check_reassemble"
FUNCTIONS = ("reassemble",)
