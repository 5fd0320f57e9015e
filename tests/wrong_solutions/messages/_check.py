CHECK = "sockutil.checks.message_passing:check_messages"
FUNCTIONS = ("send_messages", "receive_messages")
