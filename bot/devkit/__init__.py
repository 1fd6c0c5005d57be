"""The same bot with no Slack behind it: the Slack sandbox,
request signing, workspace seeding, the shell and the rehearsal.

May import `bot.app` and everything below it; nothing in the product imports it but the CLI.
"""
