"""Standard feeds for clients nobody here wrote: Atom with RFC 6721 tombstones, OAI-PMH 2.0.

Both are anonymous, so both carry only what the sharing rules give anyone: records that are
public and 无条件共享 (:mod:`exchange.store.sharing`); a record that once was and no longer is
appears as a deletion.
"""
