"""The vcard service's aiohttp handlers (downloads, CardDAV); domain modules are beside."""
