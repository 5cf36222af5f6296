"""The case (案卷) and its closed loop: the workflow table, actions, attachments and timeline."""
