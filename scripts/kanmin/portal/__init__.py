"""Publishing the package to a CKAN data portal (`kanmin ckan publish`).

``mapping`` turns the package model into CKAN dicts (pure); ``publish`` plans and runs the
upsert against a portal through ckanapi; ``cli`` registers the command.
"""
