"""The joint GO / NO-GO decision of step 3 and the municipality's statement behind the basic
condition "Sportondernemers in beeld" (seed 000 §6 stap 3, §6.1)."""
