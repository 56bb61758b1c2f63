from billing import services


def start_subscription(sender, workspace, plan_code=None, **kwargs):
    """Every new workspace gets its subscription (trial unless a plan was named) and its quota row."""
    services.subscription_create(workspace=workspace, plan_code=plan_code or services.DEFAULT_PLAN_CODE)
