DROP TRIGGER IF EXISTS trainings_data_version ON trainings;
DROP TRIGGER IF EXISTS training_skills_data_version ON training_skills;
