"""Where the hosts come from: an inventory file, or Active Directory."""
