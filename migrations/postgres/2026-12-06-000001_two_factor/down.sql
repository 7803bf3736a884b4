ALTER TABLE agencies DROP COLUMN two_factor_required;
DROP TABLE two_factor_challenges;
DROP TABLE two_factor_recovery_codes;
DROP TABLE user_two_factor;
