"""Supervision casework: one workflow engine, several case types (督察整改, 红线/绿盾 图斑).

``definitions`` declares each case type's state machine as data; ``engine`` checks a transition
against a definition with pure functions; ``deadlines`` computes overdue and due-soon in China
Standard Time; ``models`` and ``service`` keep cases in the registry (scoped, audited,
optimistically locked); ``importers`` and ``exports`` read and write files.
"""
