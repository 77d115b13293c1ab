-- Where a subscribe form pasted into a list's own website sends the person after they ask
-- (a page on that site, registered in the console; never an address a form may choose).
-- Its origin is also the one site such a form may post from.
ALTER TABLE mailing.lists ADD COLUMN thank_you_url text CHECK (length(thank_you_url) <= 2000);
