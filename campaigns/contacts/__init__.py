"""Contacts (a workspace's leads) as the dashboard and the API show them: with the campaigns each one is
in. They live under campaigns/, not in leads/, because deleting a contact frees its active-lead slots by
deleting its enrollments, and leads/ stays below campaigns/.

``api`` serves ``/api/v1/leads``; ``views`` the Contacts pages. The reads are campaigns.selectors'
(contacts with their campaign ids), the delete is campaigns.services.lead_delete, the other writes are
leads.services'.
"""
