"""The console's aiohttp handlers, one module a resource; domain modules are beside."""
