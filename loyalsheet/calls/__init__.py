"""The week's calls: who to phone and why (reasons), in what order and how many (ranking), with what
words (openers), what came of each call (outcomes) and the Call list and Call log sheets (sheet).

Nothing is imported here, so ``config`` can import :mod:`.settings` without importing the rest.
"""
