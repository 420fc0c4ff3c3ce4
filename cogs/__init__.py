"""Discord glue: each module is a cog that turns interactions into calls and results into replies."""
