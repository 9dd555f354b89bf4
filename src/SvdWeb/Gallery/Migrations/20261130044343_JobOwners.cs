using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class JobOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OwnerId",
                table: "Generations",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "local");

            migrationBuilder.AddColumn<string>(
                name: "OwnerName",
                table: "Generations",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "local");

            migrationBuilder.CreateIndex(
                name: "IX_Generations_OwnerId_Status",
                table: "Generations",
                columns: new[] { "OwnerId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Generations_OwnerId_Status",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "OwnerId",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "OwnerName",
                table: "Generations");
        }
    }
}
