"""Problems residents propose, with votes, comments, follows and notifications."""
