from django.dispatch import Signal

# Sent inside the transaction that creates a workspace (arguments: workspace, plan_code — None for the
# default plan). Billing listens to give it a subscription and a quota row; accounts depends on no other app.
workspace_created = Signal()
