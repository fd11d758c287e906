"""One replication: the SimPy world of media, demand, teams and approvals, giving plain records."""
