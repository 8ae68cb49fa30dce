"""The use cases, one module per command, callable in-process: check the member file, the weekly refresh, and
today's messages.

The command line (``loyalsheet check|refresh|today|report``), the scheduler and the Excel buttons all run
these same functions, so a button gives what the command gives. A job reads and writes its workbook
only through a :class:`~loyalsheet.workbook.access.BookAccess` (the file on disk, or a book open in
Excel), and returns a result whose ``as_json()`` is what ``--json`` prints. Nothing here prints.
"""
