"""Settings: every knob of the gateway (``GATEWAY_*``), its security part and its generated docs.

May import: nothing else of ours but ``resolvers`` value types.
"""
