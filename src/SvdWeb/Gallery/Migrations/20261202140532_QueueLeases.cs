using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class QueueLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "Generations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                table: "Generations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "ClaimSeq",
                table: "Generations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "Generations",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseUntil",
                table: "Generations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LostAttempts",
                table: "Generations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            // Who was served last carries over: started jobs numbered in the order they started.
            migrationBuilder.Sql("""
                UPDATE "Generations" SET "ClaimSeq" =
                    (SELECT COUNT(*) FROM "Generations" AS earlier WHERE earlier."StartedUtc" IS NOT NULL AND earlier."StartedUtc" <= "Generations"."StartedUtc")
                WHERE "StartedUtc" IS NOT NULL;
                """);

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                    Xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Generations_Status_LeaseUntil",
                table: "Generations",
                columns: new[] { "Status", "LeaseUntil" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropIndex(
                name: "IX_Generations_Status_LeaseUntil",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "ClaimSeq",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "LeaseUntil",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "LostAttempts",
                table: "Generations");
        }
    }
}
