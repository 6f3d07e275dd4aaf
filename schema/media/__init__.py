"""The media library in the API: the MediaAsset node, the Image type with renditions, their
queries and mutations. May import schema's shared modules and resolvers."""
