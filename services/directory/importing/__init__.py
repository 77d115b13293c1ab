"""Contacts in from any phone, mail client or spreadsheet: readers, one engine, one report.

`vcard`, `csv_rows` and `json_rows` read a file as it streams in and yield rows in the API's
shape; `engine` checks each row and applies them in chunks (`apply`), `rows` holds the one
report shape; `routes` is `POST /v1/contacts/import`, and the `kontakt import` command and
the console use the same path (`run`).
"""
