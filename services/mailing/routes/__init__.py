"""The mailing service's aiohttp handlers, one module a resource; domain modules are beside."""
