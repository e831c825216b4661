"""English date formats of the respondent pages and e-mails: "30 November 2026", as before."""

DATE_FORMAT = "j F Y"
