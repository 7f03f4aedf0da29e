def demo_seed(stdout=None):  # replaced below
    return None
