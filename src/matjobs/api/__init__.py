"""The HTTP adapter: routes, authentication, the JSend envelope and the error mapping."""
