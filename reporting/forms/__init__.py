"""Reporting's forms, one module per subject (reports, review, repayments, exports, reminders).
Forms validate what was typed; changing state is the services' job."""
