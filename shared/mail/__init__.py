"""Every mail Kontakt sends: one message builder (`message`), one SMTP transport (`transport`)."""
