CHECK = "sockutil.checks.start_here:check_shout"
FUNCTIONS = ("shout",)
