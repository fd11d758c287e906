"""Tables to the terminal table, the Markdown report, figures and the results folder."""
