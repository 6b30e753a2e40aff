def load_demo(tenant, *, main):
    pass
