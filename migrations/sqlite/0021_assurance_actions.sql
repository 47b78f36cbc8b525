-- Actions on a return's answers below "met" (issue 13): who owns it, when it is due and what
-- will change. Required of every grade answered partially met or not met before the return is
-- submitted; on submit each is raised in the improvement tracker (tracker_action_id), once.
-- completed: the organisation's next return says whether it was done (NULL until it says).
CREATE TABLE assurance_actions (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    question_id INTEGER NOT NULL REFERENCES assurance_questions (id),
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    what_will_change TEXT NOT NULL,
    tracker_action_id INTEGER REFERENCES tracker_actions (id),
    completed INTEGER,
    written_by_name TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_actions_question ON assurance_actions (return_id, question_id);
