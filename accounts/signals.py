from django.dispatch import Signal

# Sent inside the transaction that creates a workspace (argument: workspace). Billing listens to give it
# a subscription and a quota row; accounts itself depends on no other app.
workspace_created = Signal()
