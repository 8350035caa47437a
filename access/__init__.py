"""Who may see what: role assignments for logged-in users, and the audit log's reader (issue 6).

No Streamlit here, so the rules can be tested and scripted; ``app.py`` does the login itself.
"""
