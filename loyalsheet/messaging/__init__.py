"""The day's messages: who gets what (daily), the words (compose, render, template_check), the send
ledger (ledger), sending it once and only once (sender), and the providers (channels)."""
