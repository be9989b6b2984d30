"""Names and shapes two-step login shares between its modules."""

SETUP_URL_NAME = "otp_setup"
VERIFY_URL_NAME = "otp_verify"
# What an unverified user may still open.
OPEN_URL_NAMES = {SETUP_URL_NAME, VERIFY_URL_NAME, "logout", "set_language"}

RECOVERY_CODE_COUNT = 10
# At or below this many unused codes, the person is told to make a new set.
RECOVERY_CODES_LOW = 3
# 31 letters and digits without the look-alikes 0/o, 1/l/i: 12 of them are ~59 bits.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12
