"""Publishing the package to a CKAN data portal (`kanmin ckan publish`).

``mapping`` turns the package model into CKAN dicts (pure); ``client`` is the portal's action API
through ckanapi (where it may connect, timeouts, retries of reads, errors with the token
scrubbed); ``publish`` plans and runs the upsert; ``cli`` registers the command.
"""
