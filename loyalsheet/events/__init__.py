"""Events: the funnel from invitation to purchase (shared by `loyalsheet events`, the Dashboard and the Report)."""

from .funnel import Funnel, Invitation, came_to, event_funnels, funnel, invitations_from

__all__ = ["Funnel", "Invitation", "came_to", "event_funnels", "funnel", "invitations_from"]
