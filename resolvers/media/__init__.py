"""Media library: uploaded image assets (model, validation, storage contract, renditions, URLs).

Plain Python with Pillow; may import resolvers' shared modules (db, errors, access, models),
never strawberry, starlette or gateway."""
