"""A commune's people: invites for every village at once, who has joined, removing."""
