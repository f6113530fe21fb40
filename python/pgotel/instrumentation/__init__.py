"""Hooks into psycopg, psycopg_pool, graphql-core and caches."""
