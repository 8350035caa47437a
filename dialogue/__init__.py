"""The quality dialogue: notes beside the numbers, agreed actions and their follow-up."""

from dialogue.notes import (  # noqa: F401
    ACTION_STATUSES,
    NOTE_KINDS,
    OPEN_STATUSES,
    TOPIC_KINDS,
    Note,
    add_note,
    delete_note,
    dialogue_years,
    edit_note,
    editable,
    may_delete,
    may_edit,
    may_share,
    note_history,
    notes,
    open_actions,
    writable_kinds,
)
