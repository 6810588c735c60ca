"""What a refused login's failCode means, and what fixes it (Huawei's list, chapter 10).

20001 is a wrong user name: the secret's to fix. 20002 and 20003 are about the Northbound
account itself, disabled or past the end date it was created with: the secret is right, and
whoever manages the account fixes it in FusionSolar. 20400/20403 may be a locked account.
"""

# Login failCodes that mean "these credentials will not work": guarded like a wrong password.
LOGIN_REJECTED = {
    20001: "the third-party system ID does not exist",
    20002: "the third-party system is forbidden",
    20003: "the third-party system has expired",
}
# What fixes each: a wrong user name is the secret's; a disabled or expired Northbound account
# is fixed in FusionSolar by whoever manages it (the secret is right).
LOGIN_FIX = {
    20002: "The Northbound API account is disabled in FusionSolar: whoever created it (your "
    "installer, or your company's FusionSolar administrator) must enable it again in "
    "FusionSolar's Northbound management; the secret needs no change. ",
    20003: "The Northbound API account has passed the end date it was created with: your "
    "installer (or whoever created it) must extend the account's deadline in FusionSolar's "
    "Northbound management; the secret needs no change. ",
}
# Login failCodes that may mean Huawei locked the account: no login of any credentials for a while.
LOGIN_LOCKED = {
    20400: "wrong user name or system code, user locked, password expired or too many sessions",
    20403: "logins of this user are restricted",
}
