"""Users, roles scoped to org units or departments, the service decorator and the audit log."""
